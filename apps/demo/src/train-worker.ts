/**
 * The training worker: fine-tunes a copy of the page's model off the main thread, on the page's
 * backend (WebGPU when the worker gets an adapter, else TF.js's cpu backend), and sends progress,
 * validations and, when the run ends or stops, the weights back as model artifacts.
 */
import { chooseBackend } from './backend.js';
import { modelArtifacts, modelFromArtifacts } from './fine-tune/model-artifacts.js';
import type { PageToWorker, WorkerToPage } from './fine-tune/protocol.js';
import { FineTuneRun } from './fine-tune/train-run.js';

const post = (message: WorkerToPage) => self.postMessage(message);
let current: FineTuneRun | undefined;

async function start(request: Extract<PageToWorker, { kind: 'start' }>) {
  const backend = await chooseBackend(request.backend);
  current?.model.dispose();
  const model = await modelFromArtifacts(request.model);
  current = new FineTuneRun(model, request, {
    onStep: (report) => post({ kind: 'step', ...report }),
    onValidation: (step, dice) => post({ kind: 'validation', step, dice }),
  });
  post({
    kind: 'ready',
    backend: backend.name,
    trainSamples: current.trainSet.length,
    validationSamples: current.validationSet.length,
  });
  await runAndReport(current, false);
}

async function runAndReport(run: FineTuneRun, resume: boolean) {
  const result = await run.run(resume);
  const model = await modelArtifacts(run.model);
  post({ kind: 'finished', completed: result.completed, step: result.step, model, losses: result.losses });
}

async function handle(message: PageToWorker) {
  if (message.kind === 'start') await start(message);
  else if (message.kind === 'stop') current?.stop();
  else if (current) await runAndReport(current, true);
  else throw new Error('nothing to continue: no run was started');
}

self.addEventListener('message', (event: MessageEvent<PageToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ kind: 'error', name: e.name, message: e.message });
  });
});
