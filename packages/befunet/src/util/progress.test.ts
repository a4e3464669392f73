import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProgressStream, formatDuration, Progress } from './progress.js';

describe('Progress', () => {
  it('shows step, values, throughput, elapsed and ETA', () => {
    const p = new Progress('epoch 1', 10, { unit: 'images', itemsPerStep: 4 });
    // 5 steps of 4 images in 10 s: 2 images/s, 10 s left.
    expect(p.format(5, { loss: 0.25 }, 10)).toBe(
      'epoch 1 [##########..........] 5/10 | loss 0.2500 | 2.00 images/s | elapsed 10.0s | ETA 10.0s',
    );
  });

  it('prints throttled lines off a terminal, and always the last step', () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s), isTTY: false };
    const p = new Progress('run', 3, { unit: 'steps', stream, everySeconds: 3600 });
    p.update(1);
    p.update(2);
    p.update(3);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^run \[#{20}\] 3\/3 \|/);
    expect(lines.join('')).not.toContain('\r');
  });

  it('redraws one line on a terminal', () => {
    let written = '';
    const p = new Progress('run', 2, {
      unit: 'steps',
      stream: { write: (s: string) => (written += s), isTTY: true },
    });
    p.update(1);
    p.update(2);
    const redraw = '\r\x1b[2K'; // carriage return, then erase the line
    const parts = written.split(redraw);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toMatch(/^run .* 1\/2 .*[^\n]$/);
    expect(parts[2]).toMatch(/^run .* 2\/2 .*\n$/);
  });

  describe('without Node.js process (a browser)', () => {
    afterEach(() => vi.unstubAllGlobals());
    it('writes whole lines to console.info', () => {
      vi.stubGlobal('process', undefined);
      const info = vi.spyOn(console, 'info').mockImplementation(() => {});
      const stream = defaultProgressStream();
      stream.write('step 1');
      stream.write(' done\nstep 2\n');
      expect(info.mock.calls).toEqual([['step 1 done'], ['step 2']]);
      info.mockRestore();
    });
  });

  it('formats durations', () => {
    expect(formatDuration(4.5)).toBe('4.5s');
    expect(formatDuration(123)).toBe('2m03s');
    expect(formatDuration(3723)).toBe('1h02m03s');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
