"""The serve shell: the command line (`cdk-local serve`, `cdk-local token`), the outputs file and the
quickstart it prints."""
