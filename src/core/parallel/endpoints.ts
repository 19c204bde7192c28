import type { Endpoint, Message } from './rpc';

/** Structural types so core stays free of DOM and node: imports. */
interface PostsMessages {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  terminate?(): void;
}
interface NodePort {
  postMessage(message: unknown, transferList?: readonly unknown[]): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  terminate?(): unknown;
}

/** A browser Worker (caller side) or a worker's own global scope (worker side). */
export function webEndpoint(target: PostsMessages): Endpoint {
  return {
    post: (m, t) => target.postMessage(m, t),
    listen: (cb) => target.addEventListener('message', (e) => cb(e.data as Message)),
    terminate: target.terminate ? () => target.terminate?.() : undefined,
  };
}

/** A worker_threads Worker (caller side) or parentPort (worker side). */
export function nodeEndpoint(port: NodePort): Endpoint {
  return {
    post: (m, t) => port.postMessage(m, t),
    listen: (cb) => port.on('message', (m) => cb(m as Message)),
    terminate: port.terminate ? () => void port.terminate?.() : undefined,
  };
}
