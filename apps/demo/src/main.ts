/** The page: wires the controls to the model and draws the result. */
import {
  befunetConfigOf,
  decodeImage,
  decodePng,
  losses,
  type NiftiVolume,
  readNifti,
  sliceAxial,
} from '@befunet/core';
import { replayedPredictor } from '@befunet/core/inference';
import { isGzip } from '@befunet/core/io';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from './backend.js';
import { FineTunePanel } from './fine-tune/fine-tune-panel.js';
import type { FineTuneState } from './fine-tune/fine-tune-state.js';
import { classNames, classShares } from './legend.js';
import { type LoadedModel, loadOfficialCheckpoint, loadShippedModel, loadTfjsFiles } from './model-source.js';
import { classColour, labelsAt, overlayRgba } from './overlay.js';
import { type Picture, pictureFromImage, pictureFromSlice, volumeWindow } from './picture.js';
import { loadSampleList, type SampleEntry, sampleFiles } from './samples.js';
import { type Segmentation, segmentPicture } from './segmentation.js';

/** What the page exposes for tests and for the curious (`window.befunetDemo`). */
export interface DemoState {
  backend: string;
  fallbackReason?: string;
  model?: string;
  /** Warm-up run (shader compilation included), ms. */
  warmupMs?: number;
  /** The last segmentation. */
  input?: string;
  labels?: number[];
  logits?: number[];
  size?: number;
  numClasses?: number;
  ms?: number;
  dice?: number;
  /**
   * Forward passes of the loaded model so far: through TF.js, captured, and replayed from the
   * capture (on WebGPU, from the third segmentation of a model on).
   */
  forwardPasses?: { direct: number; captures: number; replays: number };
  /** Ticks of a 100 ms timer on the main thread: it keeps counting while the worker trains. */
  heartbeat: number;
  fineTune?: FineTuneState;
}
declare global {
  interface Window {
    befunetDemo: DemoState;
  }
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  backend: element<HTMLParagraphElement>('backend'),
  modelInfo: element<HTMLParagraphElement>('model-info'),
  sample: element<HTMLSelectElement>('sample'),
  runSample: element<HTMLButtonElement>('run-sample'),
  dropZone: element<HTMLDivElement>('drop-zone'),
  imageFile: element<HTMLInputElement>('image-file'),
  sliceRow: element<HTMLDivElement>('slice-row'),
  slice: element<HTMLInputElement>('slice'),
  sliceValue: element<HTMLOutputElement>('slice-value'),
  modelFiles: element<HTMLInputElement>('model-files'),
  checkpointFile: element<HTMLInputElement>('checkpoint-file'),
  error: element<HTMLParagraphElement>('error'),
  result: element<HTMLOutputElement>('result'),
  view: element<HTMLCanvasElement>('view'),
  legend: element<HTMLUListElement>('legend'),
  timing: element<HTMLParagraphElement>('timing'),
};
const base = new URL('./', document.baseURI);
const state: DemoState = { backend: 'none', heartbeat: 0 };
window.befunetDemo = state;
setInterval(() => state.heartbeat++, 100);

let current: LoadedModel | undefined;
let volume: { data: NiftiVolume; name: string; window: [number, number] } | undefined;
let samples: SampleEntry[] = [];
/** One task at a time: runs queue up behind each other. */
let queue: Promise<void> = Promise.resolve();

function setState(value: 'idle' | 'running' | 'done' | 'error') {
  ui.result.dataset.state = value;
}

function showError(error: unknown) {
  ui.error.textContent = error instanceof Error ? error.message : String(error);
  setState('error');
}

function enqueue(task: () => Promise<void>) {
  queue = queue.then(async () => {
    ui.error.textContent = '';
    setState('running');
    try {
      await task();
    } catch (error) {
      showError(error);
    }
  });
  return queue;
}

function draw(picture: Picture, result: Segmentation, title: string) {
  ui.view.width = picture.width;
  ui.view.height = picture.height;
  const context = ui.view.getContext('2d')!;
  context.putImageData(
    new ImageData(overlayRgba(picture, result.labels, result.size), picture.width, picture.height),
    0,
    0,
  );
  ui.view.setAttribute('aria-label', `Segmentation of ${title}`);
  const names = classNames(result.numClasses);
  const shares = classShares(result.labels, result.numClasses);
  ui.legend.replaceChildren(
    ...names.map((name, k) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = k === 0 ? 'transparent' : `rgb(${classColour(k).join(',')})`;
      item.append(swatch, `${name}: ${(100 * shares[k]!).toFixed(1)}%`);
      return item;
    }),
  );
}

async function segmentAndShow(picture: Picture, title: string, truth?: Int32Array) {
  if (!current) throw new Error('no model is loaded');
  const result = await segmentPicture(current.model, picture);
  draw(picture, result, title);
  let dice: number | undefined;
  if (truth) {
    const predicted = labelsAt(result.labels, result.size, picture.width, picture.height);
    dice = losses.segmentationMetrics(predicted, truth, [picture.height, picture.width], {
      numClasses: result.numClasses,
    }).mean.dice;
  }
  ui.timing.textContent =
    `${title}: inference ${result.ms.toFixed(1)} ms on ${tf.getBackend()} ` +
    `(${result.size}x${result.size} model input)${dice === undefined ? '' : `; mean Dice against the ground truth ${dice.toFixed(3)}`}`;
  Object.assign(state, {
    input: title,
    labels: Array.from(result.labels),
    logits: Array.from(result.logits),
    size: result.size,
    numClasses: result.numClasses,
    ms: result.ms,
    dice,
    forwardPasses: { ...replayedPredictor(current.model).counts },
  });
  setState('done');
}

async function fileBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function runSample() {
  const entry = samples[ui.sample.selectedIndex];
  if (!entry) throw new Error('no sample is selected');
  const samplesDir = new URL('samples/', base);
  const image = decodeImage(await fileBytes(new URL(entry.file, samplesDir)), entry.file);
  const truth = decodePng(await fileBytes(new URL(entry.truth, samplesDir)), entry.truth);
  volume = undefined;
  ui.sliceRow.hidden = true;
  await segmentAndShow(pictureFromImage(image), entry.title, Int32Array.from(truth.data));
}

/** NIfTI-1 starts with sizeof_hdr = 348 (either byte order); `.nii.gz` with the gzip magic. */
function isNifti(bytes: Uint8Array, name: string): boolean {
  if (isGzip(bytes)) return /\.nii\.gz$/i.test(name) || !/\.(png|jpe?g)$/i.test(name);
  if (bytes.length < 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  return view.getInt32(0, true) === 348 || view.getInt32(0, false) === 348;
}

async function runSlice() {
  if (!volume) return;
  const z = Number(ui.slice.value);
  ui.sliceValue.textContent = String(z);
  const picture = pictureFromSlice(sliceAxial(volume.data, z), volume.window);
  await segmentAndShow(picture, `${volume.name}, slice ${z}`);
}

async function runFile(file: File) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isNifti(bytes, file.name)) {
    const data = readNifti(bytes, file.name);
    if (data.shape.length < 2)
      throw new Error(`${file.name}: NIfTI volume of shape [${data.shape}] has no plane`);
    volume = { data, name: file.name, window: volumeWindow(data) };
    const depth = data.shape[2] ?? 1;
    ui.slice.max = String(depth - 1);
    ui.slice.value = String(Math.floor(depth / 2));
    ui.sliceRow.hidden = false;
    await runSlice();
    return;
  }
  volume = undefined;
  ui.sliceRow.hidden = true;
  await segmentAndShow(pictureFromImage(decodeImage(bytes, file.name)), file.name);
}

async function useModel(loaded: LoadedModel) {
  const previous = current;
  current = loaded;
  previous?.model.dispose();
  // A first run compiles the kernels (WebGPU shaders); time it apart from the inference.
  const { imageSize } = befunetConfigOf(loaded.model);
  const blank: Picture = {
    data: new Float32Array(imageSize * imageSize),
    width: imageSize,
    height: imageSize,
    channels: 1,
  };
  const warmup = await segmentPicture(loaded.model, blank);
  state.model = loaded.description;
  state.warmupMs = warmup.ms;
  ui.modelInfo.textContent = `Model: ${loaded.description}; warm-up run ${warmup.ms.toFixed(0)} ms`;
  ui.runSample.disabled = samples.length === 0;
  setState('idle');
}

function wire() {
  ui.runSample.addEventListener('click', () => enqueue(runSample));
  ui.imageFile.addEventListener('change', () => {
    const file = ui.imageFile.files?.[0];
    if (file) enqueue(() => runFile(file));
  });
  ui.slice.addEventListener('input', () => {
    ui.sliceValue.textContent = ui.slice.value;
  });
  ui.slice.addEventListener('change', () => enqueue(runSlice));
  ui.dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.dropZone.classList.add('over');
  });
  ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
  ui.dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) enqueue(() => runFile(file));
  });
  ui.modelFiles.addEventListener('change', () => {
    const files = [...(ui.modelFiles.files ?? [])];
    if (files.length) enqueue(async () => useModel(await loadTfjsFiles(files)));
  });
  ui.checkpointFile.addEventListener('change', () => {
    const file = ui.checkpointFile.files?.[0];
    if (file) enqueue(async () => useModel(await loadOfficialCheckpoint(file)));
  });
}

function startFineTunePanel(backendParameter: string | null) {
  const samplesDir = new URL('samples/', base);
  const panel = new FineTunePanel({
    currentModel: () => current?.model,
    useModel,
    enqueue,
    showError,
    builtInSamples: () => Promise.all(samples.map((entry) => sampleFiles(entry, samplesDir))),
    backendParameter,
  });
  state.fineTune = panel.state;
}

async function start() {
  const backendParameter = new URLSearchParams(location.search).get('backend');
  const choice = await chooseBackend(backendParameter);
  state.backend = choice.name;
  state.fallbackReason = choice.fallbackReason;
  if (choice.fallbackReason) {
    ui.backend.className = 'fallback';
    ui.backend.textContent = `Backend: ${choice.name} (fell back from WebGPU: ${choice.fallbackReason})`;
  } else {
    ui.backend.textContent = `Backend: ${choice.name}`;
  }
  ui.backend.dataset.backend = choice.name;
  samples = await loadSampleList(new URL('samples/samples.json', base));
  ui.sample.replaceChildren(...samples.map((s) => new Option(s.title, s.file)));
  wire();
  startFineTunePanel(backendParameter);
  await useModel(await loadShippedModel(new URL('model/model.json', base)));
}

enqueue(start);
