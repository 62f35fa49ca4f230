/**
 * Entry of a perf load worker thread: builds a LoadEngine from its workerData (a LoadJob),
 * obeys the coordinator's commands (concurrency, rate, rotate, stop) and answers with window
 * samples (their latency buffers transferred, not copied) and final totals. Started only by
 * LoadCoordinator; never imported by the server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LoadEngine } from './load-engine.js';
import type { LoadJob, WorkerCommand, WorkerMessage } from './worker-protocol.js';

const port = parentPort!;

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

let engine: LoadEngine;
try {
  engine = new LoadEngine(workerData as LoadJob);
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message });
  throw err;
}

port.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'concurrency':
      engine.setConcurrency(command.slots);
      break;
    case 'rate':
      engine.setRate(command.perSecond, command.distribution);
      break;
    case 'rotate': {
      const sample = engine.rotate();
      post({ type: 'window', id: command.id, sample }, [sample.latenciesUs.buffer as ArrayBuffer]);
      break;
    }
    case 'stop':
      engine.stop().then(
        (totals) => {
          post({ type: 'stopped', totals });
          port.close();
        },
        (err) => post({ type: 'failed', message: (err as Error).message }),
      );
      break;
  }
});
