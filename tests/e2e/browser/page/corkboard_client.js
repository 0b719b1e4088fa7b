// What a web app on another origin does with Corkboard, using only the browser's own fetch, FormData and
// WebSocket. Each scenario resolves to plain JSON for the test to assert on. fetch rejects with a
// TypeError when CORS forbids the page to read a response, so a missing header fails the scenario loudly.
"use strict";

const EVENT_DEADLINE_MS = 60000;

async function call(config, method, path, { token = config.token, body, headers = {} } = {}) {
  const init = { method, headers: token === null ? { ...headers } : { Authorization: token, ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(config.restUrl + path, init);
  } catch (error) {
    // Still a TypeError, which is what CORS refusals are, now naming the request that was refused.
    throw new TypeError(`${method} ${path}: ${error.message}`);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function expect(config, method, path, status, options) {
  const result = await call(config, method, path, options);
  if (result.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function boardWithTask(config, name) {
  const board = await expect(config, "POST", "/boards", 201, { body: { name } });
  const task = await expect(config, "POST", `/boards/${board.boardId}/tasks`, 201, { body: { title: "First" } });
  return { board, task };
}

// Lists, creates (with an Idempotency-Key, a header the preflight must allow), patches and deletes.
async function crud(config) {
  const before = await expect(config, "GET", "/boards", 200);
  const board = await expect(config, "POST", "/boards", 201, {
    body: { name: "From the browser" },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  const renamed = await expect(config, "PATCH", `/boards/${board.boardId}`, 200, {
    body: { version: board.version, name: "Renamed in the browser" },
  });
  const listed = await expect(config, "GET", "/boards", 200);
  const task = await expect(config, "POST", `/boards/${board.boardId}/tasks`, 201, { body: { title: "Try it" } });
  const done = await expect(config, "PATCH", `/boards/${board.boardId}/tasks/${task.taskId}`, 200, {
    body: { version: task.version, status: "done" },
  });
  const taskDeleted = await call(config, "DELETE", `/boards/${board.boardId}/tasks/${task.taskId}`);
  const boardDeleted = await call(config, "DELETE", `/boards/${board.boardId}`);
  const afterwards = await call(config, "GET", `/boards/${board.boardId}`);
  return {
    listedBefore: before.items.map((item) => item.boardId),
    created: board,
    renamed,
    listed: listed.items.map((item) => item.boardId),
    taskStatus: done.status,
    deleteStatuses: [taskDeleted.status, boardDeleted.status],
    afterwards,
  };
}

// The bodies of a refused request are readable: a viewer's write (403), a stale version (409), and the
// gateway's own answers to a bad token (401) and an unknown route (404; without a token, since API
// Gateway has no preflight for a path it does not know).
async function errors(config) {
  const { board, task } = await boardWithTask(config, "Errors");
  const viewer = await expect(config, "GET", "/me", 200, { token: config.viewerToken });
  await expect(config, "PUT", `/boards/${board.boardId}/members/${viewer.userId}`, 200, { body: { role: "viewer" } });
  const forbidden = await call(config, "POST", `/boards/${board.boardId}/tasks`, {
    token: config.viewerToken,
    body: { title: "Not allowed" },
  });
  const taskPath = `/boards/${board.boardId}/tasks/${task.taskId}`;
  await expect(config, "PATCH", taskPath, 200, { body: { version: task.version, status: "doing" } });
  const conflict = await call(config, "PATCH", taskPath, { body: { version: task.version, status: "done" } });
  const unauthorized = await call(config, "GET", "/boards", { token: "not-a-token" });
  const unknownRoute = await call(config, "GET", "/no-such-route", { token: null });
  return { forbidden, conflict, unauthorized, unknownRoute };
}

async function waitForAttachment(config, path) {
  const deadline = Date.now() + EVENT_DEADLINE_MS;
  while (Date.now() < deadline) {
    const [item] = (await expect(config, "GET", path, 200)).items;
    if (item.status !== "pending") {
      return item;
    }
    await sleep(250);
  }
  throw new Error(`${path}: the attachment was still pending after ${EVENT_DEADLINE_MS} ms`);
}

// Asks for an upload form, posts the file straight to S3 as a web app's upload widget would, waits for
// the uploads function's verdict, then downloads the file through its presigned link.
async function upload(config) {
  const { board, task } = await boardWithTask(config, "Files");
  const file = new Blob([config.fileContent], { type: "text/plain" });
  const path = `/boards/${board.boardId}/tasks/${task.taskId}/attachments`;
  const started = await expect(config, "POST", path, 201, {
    body: { fileName: "notes.txt", contentType: "text/plain", size: file.size },
  });
  const form = new FormData();
  for (const [name, value] of Object.entries(started.upload.fields)) {
    form.append(name, value);
  }
  form.append("file", file, "notes.txt");
  const posted = await fetch(started.upload.url, { method: "POST", body: form });
  const attachment = await waitForAttachment(config, path);
  const download = await fetch(attachment.downloadUrl);
  return {
    uploadStatus: posted.status,
    attachmentStatus: attachment.status,
    rejectionReason: attachment.rejectionReason,
    downloadStatus: download.status,
    downloaded: await download.text(),
  };
}

function nextFrame(socket, wanted) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${wanted} frame in ${EVENT_DEADLINE_MS} ms`)), EVENT_DEADLINE_MS);
    socket.addEventListener("message", function listener(message) {
      const frame = JSON.parse(message.data);
      if (frame.type === wanted) {
        clearTimeout(timer);
        socket.removeEventListener("message", listener);
        resolve(frame);
      }
    });
    socket.addEventListener("close", (event) => reject(new Error(`socket closed: ${event.code}`)));
  });
}

// The first frame in `seen`, or arriving later, that `wanted` accepts.
function frameMatching(socket, seen, wanted) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching frame in ${EVENT_DEADLINE_MS} ms`)), EVENT_DEADLINE_MS);
    const check = () => {
      const found = seen.find(wanted);
      if (found) {
        clearTimeout(timer);
        socket.removeEventListener("message", check);
        resolve(found);
      }
    };
    socket.addEventListener("message", check);
    socket.addEventListener("close", (event) => reject(new Error(`socket closed: ${event.code}`)));
    check();
  });
}

// Subscribes to a board over the WebSocket API, then creates a task there and receives its event.
async function realtime(config) {
  const { board } = await boardWithTask(config, "Live");
  const socket = new WebSocket(`${config.websocketUrl}?token=${encodeURIComponent(config.token)}`);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error("the WebSocket did not open")), { once: true });
  });
  try {
    const subscribed = nextFrame(socket, "subscribed");
    socket.send(JSON.stringify({ action: "subscribe", boardId: board.boardId }));
    await subscribed;
    // The first task's event may still be on its way, and this task's may beat the POST's answer: keep
    // every task.created frame from now on, then pick the one for this task.
    const seen = [];
    socket.addEventListener("message", (message) => seen.push(JSON.parse(message.data)));
    const task = await expect(config, "POST", `/boards/${board.boardId}/tasks`, 201, { body: { title: "Live" } });
    const event = await frameMatching(socket, seen, (frame) => frame.type === "task.created" && frame.data.taskId === task.taskId);
    return { taskId: task.taskId, event };
  } finally {
    socket.close();
  }
}

async function outcome(request) {
  try {
    const response = await request();
    return { read: response.status };
  } catch (error) {
    return { refused: error.name };
  }
}

// From an origin that is not allowed: every kind of response the allowed page reads above.
async function probe(config) {
  const form = new FormData();
  for (const [name, value] of Object.entries(config.upload.fields)) {
    form.append(name, value);
  }
  form.append("file", new Blob([config.fileContent], { type: "text/plain" }), "notes.txt");
  const authorized = { headers: { Authorization: config.token } };
  return {
    health: await outcome(() => fetch(`${config.restUrl}/health`)),
    list: await outcome(() => fetch(`${config.restUrl}/boards`, authorized)),
    create: await outcome(() => call(config, "POST", "/boards", { body: { name: "Not from here" } })),
    unauthorized: await outcome(() => fetch(`${config.restUrl}/boards`)),
    upload: await outcome(() => fetch(config.upload.url, { method: "POST", body: form })),
    download: await outcome(() => fetch(config.downloadUrl)),
  };
}

window.corkboard = { crud, errors, upload, realtime, probe };
