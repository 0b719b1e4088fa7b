"""Secrets Manager secrets on moto, with the template's SecretString or a freshly generated random value."""

import json
import secrets
import string
from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.assembly.errors import ProvisioningError
from cdk_local_cloud.assembly.provisioners.api_arguments import api_arguments, is_true
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS", "generate_secret_string"]

_DEFAULT_LENGTH = 32
# The character classes of GenerateSecretString, each with the flag that excludes it.
_CHARACTER_CLASSES = (
    ("ExcludeLowercase", string.ascii_lowercase),
    ("ExcludeUppercase", string.ascii_uppercase),
    ("ExcludeNumbers", string.digits),
    ("ExcludePunctuation", string.punctuation),
)


def generate_secret_string(specification: Mapping[str, Any]) -> str:
    """A value as Secrets Manager generates it for ``GenerateSecretString`` (the same options, honoured).

    With ``SecretStringTemplate`` and ``GenerateStringKey`` the password goes into the template's JSON.
    """
    password = _password(specification)
    template = specification.get("SecretStringTemplate")
    if template is None or "GenerateStringKey" not in specification:
        return password
    return json.dumps({**json.loads(template), specification["GenerateStringKey"]: password})


def _password(specification: Mapping[str, Any]) -> str:
    excluded = set(str(specification.get("ExcludeCharacters", "")))
    classes = [
        [character for character in characters if character not in excluded]
        for flag, characters in _CHARACTER_CLASSES
        if not is_true(specification.get(flag))
    ]
    if is_true(specification.get("IncludeSpace")):
        classes.append([" "])
    classes = [characters for characters in classes if characters]
    if not classes:
        raise ProvisioningError("its GenerateSecretString excludes every character: allow at least one kind")
    length = int(specification.get("PasswordLength", _DEFAULT_LENGTH))
    pool = [character for characters in classes for character in characters]
    password = [secrets.choice(pool) for _ in range(length)]
    if is_true(specification.get("RequireEachIncludedType", True)) and length >= len(classes):
        # One character of each class at distinct random places, as Secrets Manager guarantees by default.
        places = secrets.SystemRandom().sample(range(length), len(classes))
        for place, characters in zip(places, classes, strict=True):
            password[place] = secrets.choice(characters)
    return "".join(password)


def _secret(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("secretsmanager")
    value = properties.get("SecretString")
    if value is None:
        value = generate_secret_string(properties.get("GenerateSecretString", {}))
    arguments = {**properties, "Name": request.name("Name", max_length=512), "SecretString": value}
    arn = client.create_secret(**api_arguments(client, "CreateSecret", arguments))["ARN"]
    # CloudFormation's only attribute is Id; Arn also lets the Deployment find the secret by its ARN.
    return Provisioned(arn, {"Id": arn, "Arn": arn})


PROVISIONERS: Mapping[str, Provisioner] = {"AWS::SecretsManager::Secret": _secret}
