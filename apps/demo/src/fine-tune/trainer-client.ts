/**
 * The page's side of the training worker: starts it (vite bundles `train-worker.ts` as a module
 * worker), forwards the page's requests and hands each message to the panel.
 */
import type { PageToWorker, WorkerToPage } from './protocol.js';

export class TrainerClient {
  private readonly worker: Worker;

  constructor(onMessage: (message: WorkerToPage) => void) {
    this.worker = new Worker(new URL('../train-worker.ts', import.meta.url), { type: 'module' });
    this.worker.addEventListener('message', (event: MessageEvent<WorkerToPage>) => onMessage(event.data));
    this.worker.addEventListener('error', (event) =>
      onMessage({
        kind: 'error',
        name: 'WorkerError',
        message: `the training worker failed: ${event.message}`,
      }),
    );
  }

  send(message: PageToWorker): void {
    this.worker.postMessage(message);
  }
}
