/**
 * The "Fine-tune" panel: trains the current model in the worker on the built-in samples (with
 * their ground truth) or on dropped image + mask pairs (training-pairs.ts), shows the progress
 * and the live plot, stops and continues, and when the run ends makes the page segment with the
 * fine-tuned weights and offers them as a zip (model.json + weights.bin).
 */
import type { SegmentationSample } from '@befunet/core';
import { befunetConfigOf, common } from '@befunet/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedModel } from '../model-source.js';
import type { NamedBytes } from '../samples.js';
import { type FineTuneState, freshFineTuneState } from './fine-tune-state.js';
import { modelArtifacts, modelFromArtifacts, modelZip } from './model-artifacts.js';
import type { ModelArtifacts, WorkerToPage } from './protocol.js';
import { TrainerClient } from './trainer-client.js';
import { samplesFromFiles, trainingSample } from './training-pairs.js';
import { drawTrainingPlot } from './training-plot.js';

/** What the panel needs from the page. */
export interface PanelContext {
  currentModel(): tfl.LayersModel | undefined;
  useModel(loaded: LoadedModel): Promise<void>;
  /** Runs a page task (errors go to the page's alert). */
  enqueue(task: () => Promise<void>): Promise<void>;
  showError(error: unknown): void;
  /** The built-in samples' image and ground-truth files. */
  builtInSamples(): Promise<{ image: NamedBytes; truth: NamedBytes }[]>;
  backendParameter: string | null;
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class FineTunePanel {
  readonly state: FineTuneState = freshFineTuneState();
  private readonly ui = {
    source: element<HTMLSelectElement>('train-source'),
    files: element<HTMLInputElement>('train-files'),
    steps: element<HTMLInputElement>('train-steps'),
    learningRate: element<HTMLInputElement>('train-lr'),
    start: element<HTMLButtonElement>('train-start'),
    stop: element<HTMLButtonElement>('train-stop'),
    resume: element<HTMLButtonElement>('train-continue'),
    download: element<HTMLButtonElement>('train-download'),
    progress: element<HTMLParagraphElement>('train-progress'),
    plot: element<HTMLCanvasElement>('train-plot'),
    panel: element<HTMLElement>('fine-tune'),
  };
  private client?: TrainerClient;
  private artifacts?: ModelArtifacts;

  constructor(private readonly page: PanelContext) {
    this.ui.start.addEventListener('click', () => page.enqueue(() => this.startOrFail()));
    this.ui.stop.addEventListener('click', () => this.client?.send({ kind: 'stop' }));
    this.ui.resume.addEventListener('click', () => this.resume());
    this.ui.download.addEventListener('click', () => this.download());
    this.setStatus('idle');
  }

  private setStatus(status: FineTuneState['status']) {
    this.state.status = status;
    this.ui.panel.dataset.state = status;
    const running = status === 'running';
    this.ui.start.disabled = running;
    this.ui.stop.disabled = !running;
    this.ui.resume.disabled = status !== 'stopped';
    this.ui.download.disabled = running || !this.artifacts;
  }

  /** The training samples, checked on the page (a bad pair is the core's typed error, here). */
  private async samples(numClasses: number): Promise<SegmentationSample[]> {
    if (this.ui.source.value === 'samples') {
      const files = await this.page.builtInSamples();
      return files.map(({ image, truth }) => trainingSample(image, truth, numClasses));
    }
    const picked = [...(this.ui.files.files ?? [])];
    if (!picked.length) throw new common.ConfigError('pick your images and their masks first');
    const files = await Promise.all(
      picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    return samplesFromFiles(files, numClasses);
  }

  private number(input: HTMLInputElement, what: string): number {
    const value = Number(input.value);
    if (!(Number.isFinite(value) && value > 0))
      throw new common.ConfigError(`${what} must be > 0, got '${input.value}'`);
    return value;
  }

  private async startOrFail() {
    try {
      await this.start();
    } catch (error) {
      this.setStatus('error');
      throw error;
    }
  }

  private async start() {
    const model = this.page.currentModel();
    if (!model) throw new Error('no model is loaded');
    const { numClasses } = befunetConfigOf(model);
    const steps = this.number(this.ui.steps, 'steps');
    const learningRate = this.number(this.ui.learningRate, 'learning rate');
    const samples = await this.samples(numClasses);
    if (samples.length < 2)
      throw new common.ConfigError('fine-tuning needs at least 2 image and mask pairs (one is held out)');
    Object.assign(this.state, freshFineTuneState());
    this.artifacts = undefined;
    this.client ??= new TrainerClient((message) => this.receive(message));
    this.setStatus('running');
    this.ui.progress.textContent = 'Starting the training worker…';
    this.client.send({
      kind: 'start',
      model: await modelArtifacts(model),
      samples,
      numClasses,
      steps,
      learningRate,
      backend: this.page.backendParameter,
    });
  }

  private resume() {
    this.setStatus('running');
    this.client?.send({ kind: 'resume' });
  }

  private receive(message: WorkerToPage) {
    if (message.kind === 'ready') this.onReady(message);
    else if (message.kind === 'step') this.onStep(message);
    else if (message.kind === 'validation') this.onValidation(message.step, message.dice);
    else if (message.kind === 'finished') this.page.enqueue(() => this.onFinished(message));
    else this.onError(message);
  }

  private onReady(message: Extract<WorkerToPage, { kind: 'ready' }>) {
    Object.assign(this.state, {
      backend: message.backend,
      trainSamples: message.trainSamples,
      validationSamples: message.validationSamples,
    });
    this.ui.progress.textContent = `Training on ${message.backend}: ${message.trainSamples} images, ${message.validationSamples} held out for validation…`;
  }

  private onStep(report: Extract<WorkerToPage, { kind: 'step' }>) {
    const { kind: _, ...step } = report;
    this.state.steps.push(step);
    const last = this.state.validations.at(-1);
    this.ui.progress.textContent =
      `Step ${step.step}/${step.totalSteps} on ${this.state.backend}: loss ${step.loss.toFixed(4)}, ` +
      `Dice ${step.dice.toFixed(3)}, ${step.imagesPerSecond.toFixed(2)} images/s, ETA ${Math.ceil(step.etaSeconds)} s` +
      (last ? `; validation Dice ${last.dice.toFixed(3)} (step ${last.step})` : '');
    this.redraw();
  }

  private onValidation(step: number, dice: number) {
    this.state.validations.push({ step, dice });
    this.redraw();
  }

  private redraw() {
    const totalSteps = this.state.steps.at(-1)?.totalSteps ?? 1;
    drawTrainingPlot(this.ui.plot, {
      totalSteps,
      losses: this.state.steps,
      validations: this.state.validations,
    });
  }

  private async onFinished(message: Extract<WorkerToPage, { kind: 'finished' }>) {
    this.artifacts = message.model;
    this.state.finishedStep = message.step;
    const model = await modelFromArtifacts(message.model);
    const { imageSize, numClasses } = befunetConfigOf(model);
    await this.page.useModel({
      model,
      description: `fine-tuned for ${message.step} steps in this page: ${imageSize}x${imageSize} input, ${numClasses} classes`,
    });
    this.setStatus(message.completed ? 'done' : 'stopped');
    this.ui.progress.textContent += message.completed
      ? ' Done: the page now segments with the fine-tuned model.'
      : ` Stopped at step ${message.step}: the page segments with these weights; continue to go on.`;
  }

  private onError(message: Extract<WorkerToPage, { kind: 'error' }>) {
    this.setStatus('error');
    this.page.showError(new Error(message.message));
  }

  private download() {
    if (!this.artifacts) return;
    const url = URL.createObjectURL(
      new Blob([modelZip(this.artifacts) as BlobPart], { type: 'application/zip' }),
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = 'befunet-fine-tuned.zip';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
