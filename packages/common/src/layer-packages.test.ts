import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { assertLayersRegistered, unregisteredLayers } from './layer-packages.js';
import { Linear } from './linear.js';

/** A Keras topology as model.json holds it, with the given layer classes. */
const topology = (...classes: string[]) => ({
  class_name: 'Sequential',
  config: { name: 'm', layers: classes.map((c, i) => ({ class_name: c, config: { name: `l${i}` } })) },
});

describe('assertLayersRegistered', () => {
  it('accepts a topology whose BEFUnet classes are registered (Linear is, by importing common)', () => {
    expect(new Linear({ units: 2 }).getClassName()).toBe('befunet>Linear');
    expect(unregisteredLayers(topology('Dense', 'befunet>Linear'))).toEqual([]);
    expect(() => assertLayersRegistered(topology('Dense', 'befunet>Linear'), 'm.json')).not.toThrow();
  });

  it('names the package to import for each unregistered class (common does not import lcaf or dlf)', () => {
    const t = topology('befunet>Linear', 'befunet>Lcaf', 'befunet>GlobalCrossAttention', 'befunet>DlfBlock');
    expect(unregisteredLayers(t)).toEqual([
      'befunet>Lcaf',
      'befunet>GlobalCrossAttention',
      'befunet>DlfBlock',
    ]);
    expect(() => assertLayersRegistered(t, 'runs/a/model.json')).toThrow(ConfigError);
    expect(() => assertLayersRegistered(t, 'runs/a/model.json')).toThrow(
      "runs/a/model.json uses befunet>Lcaf, befunet>GlobalCrossAttention, befunet>DlfBlock, not registered with TF.js: add import '@befunet/lcaf'; import '@befunet/dlf'; before loading it",
    );
  });

  it('finds classes nested inside a layer config and says so for a class of no known package', () => {
    const nested = { class_name: 'Functional', config: { layers: [topology('befunet>FutureBlock')] } };
    expect(() => assertLayersRegistered(nested, 'x')).toThrow(
      /befunet>FutureBlock, not registered with TF\.js: import the package that defines befunet>FutureBlock$/,
    );
  });

  it('leaves non-BEFUnet classes to TF.js itself', () => {
    expect(unregisteredLayers(topology('SomebodyElsesLayer'))).toEqual([]);
    expect(tfl.layers.dense({ units: 1 }).getClassName()).toBe('Dense');
  });
});
