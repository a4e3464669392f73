/** What the fine-tune panel exposes on `window.befunetDemo.fineTune` (for tests and the curious). */
import type { StepReport } from './protocol.js';

export interface FineTuneState {
  status: 'idle' | 'running' | 'stopped' | 'done' | 'error';
  /** The worker's backend. */
  backend?: string;
  trainSamples?: number;
  validationSamples?: number;
  steps: StepReport[];
  validations: { step: number; dice: number }[];
  /** Steps done when the run last ended or stopped. */
  finishedStep?: number;
}

export function freshFineTuneState(): FineTuneState {
  return { status: 'idle', steps: [], validations: [] };
}
