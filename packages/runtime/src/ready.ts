// A server started by `npm start` (scripts/start.mjs, over an IPC channel) tells it the port it
// bound once it serves. A health check alone cannot say whose server answers: when another process
// took the port first, this one exits with EADDRINUSE while the other's /healthz says ok.

/** The message a server sends its parent when it is ready. */
export interface ReadyMessage {
  gpuqReady: { name: string; port: number };
}

/** Tells the parent, when it started this process with an IPC channel, that `name` serves on `port`. */
export function tellParentReady(name: string, port: number): void {
  if (!process.send) return;
  const message: ReadyMessage = { gpuqReady: { name, port } };
  process.send(message);
  // The channel must not keep the process alive, nor its loss stop the server.
  process.channel?.unref();
}
