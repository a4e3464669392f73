/**
 * A BEFUnet in the `official` graph from a state dict of the official code: the dimensions are read
 * off the checkpoint (`officialConfigFromStateDict`), then the weights imported. Browser-safe.
 */
import type { StateDict } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createBefunet } from '../model/befunet.js';
import { importOfficialStateDict, type OfficialImportReport } from './official-checkpoint.js';
import { officialConfigFromStateDict } from './official-config.js';

export function befunetFromOfficialStateDict(stateDict: StateDict): {
  model: tfl.LayersModel;
  report: OfficialImportReport;
} {
  const model = createBefunet(officialConfigFromStateDict(stateDict));
  try {
    return { model, report: importOfficialStateDict(model, stateDict) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
