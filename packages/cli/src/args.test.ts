import { ConfigError } from '@befunet/common';
import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { numberOption, type OptionSpecs, parseOptions, usage } from './args.js';

const SPECS: OptionSpecs = {
  lr: { type: 'string', description: 'learning rate' },
  'synthetic-images': { type: 'string', default: '64', description: 'synthetic images' },
  'checkpoint-every': { type: 'string', default: '100', description: 'save every N steps' },
  'no-replay': { type: 'boolean', default: false, description: 'run every step through TF.js' },
};

// Plain parsing, no tensors: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('CLI arguments', () => {
  it('a negative number reaches the option range check instead of "ambiguous"', () => {
    const values = parseOptions(['--lr', '-1'], SPECS);
    expect(values.lr).toBe('-1');
    expect(() => numberOption(values, 'lr', 1e-8, 10)).toThrow(
      /--lr must be a number in 1e-8\.\.10, got '-1'/,
    );
    expect(parseOptions(['--lr', '-.5', '--no-replay'], SPECS)).toMatchObject({
      lr: '-.5',
      'no-replay': true,
    });
    // An unknown option after a string option is still an unknown option.
    expect(() => parseOptions(['--lr', '--bogus'], SPECS)).toThrow(ConfigError);
  });

  it('a leading -- (what `pnpm job -- --resume` forwards) is dropped; a later one still ends the options', () => {
    expect(parseOptions(['--', '--lr', '0.5', '--no-replay'], SPECS)).toMatchObject({
      lr: '0.5',
      'no-replay': true,
    });
    expect(() => parseOptions(['--lr', '0.5', '--', '--no-replay'], SPECS)).toThrow(/positional/i);
  });

  it('help: every description starts in one column past the longest option; a false flag shows no default', () => {
    const lines = usage('train', 'train a model', SPECS).split('\n').slice(1);
    expect(lines).toHaveLength(4);
    const starts = lines.map((l) => l.length - l.replace(/^\s*--\S+( VALUE)?\s+/, '').length);
    expect(new Set(starts).size).toBe(1);
    expect(starts[0]).toBe('  --synthetic-images VALUE'.length + 2);
    expect(lines[1]).toContain('--synthetic-images VALUE  synthetic images (default 64)');
    expect(lines[3]).toMatch(/--no-replay\s+run every step through TF\.js$/);
  });
});
