/**
 * Decoding one JPEG scan into quantised DCT coefficients: the sequential (baseline) block coding
 * of ITU T.81 F.2.2 and the four progressive procedures of G.1.2 (DC first and refinement, AC
 * first and refinement with end-of-band runs), over interleaved or single-component scans, with
 * restart intervals (RSTn markers in sequence, DC predictions and EOB runs reset).
 */
import type { BitReader, HuffmanTable } from './jpeg-entropy.js';
import { ZIGZAG } from './jpeg-idct.js';

/** One colour component of the frame and its coefficient store. */
export interface FrameComponent {
  readonly id: number;
  /** Horizontal and vertical sampling factors (1..4). */
  readonly h: number;
  readonly v: number;
  /** Quantisation table slot (0..3). */
  readonly tq: number;
  /** The table in natural order, taken when the component's first scan starts. */
  quant?: Uint16Array;
  /** Blocks per row and column stored: whole MCUs, so padding blocks included. */
  readonly blocksPerLine: number;
  readonly blocksPerColumn: number;
  /** Blocks per row and column that cover the image (those of a single-component scan). */
  readonly usedBlocksPerLine: number;
  readonly usedBlocksPerColumn: number;
  /** 64 coefficients per block, natural order, blocks row-major. */
  readonly coefficients: Int16Array;
}

export interface Frame {
  readonly progressive: boolean;
  readonly width: number;
  readonly height: number;
  readonly mcusPerLine: number;
  readonly mcusPerColumn: number;
  readonly components: FrameComponent[];
}

/** The header of one scan (SOS), with its Huffman tables resolved. */
export interface Scan {
  readonly components: { component: FrameComponent; dc?: HuffmanTable; ac?: HuffmanTable }[];
  /** Spectral selection (first and last zig-zag index) and successive approximation bits. */
  readonly ss: number;
  readonly se: number;
  readonly ah: number;
  readonly al: number;
}

type ScanComponent = Scan['components'][number];

/** Decodes the entropy-coded data of `scan` from `reader` into the frame's coefficients. */
export function decodeScan(
  reader: BitReader,
  frame: Frame,
  scan: Scan,
  restartInterval: number,
  fail: (problem: string) => never,
): void {
  const decodeBlock = blockDecoder(reader, frame.progressive, scan, fail);
  const predictions = new Int32Array(scan.components.length);
  const single = scan.components.length === 1;
  const first = scan.components[0]!.component;
  const mcus = single
    ? first.usedBlocksPerLine * first.usedBlocksPerColumn
    : frame.mcusPerLine * frame.mcusPerColumn;
  for (let m = 0; m < mcus; m++) {
    if (restartInterval > 0 && m > 0 && m % restartInterval === 0) {
      const expected = 0xd0 + ((m / restartInterval - 1) % 8);
      const marker = reader.nextMarker();
      if (marker !== expected) {
        fail(`expected restart marker RST${expected - 0xd0} before MCU ${m}, found ${markerName(marker)}`);
      }
      predictions.fill(0);
      decodeBlock.reset();
    }
    if (single) {
      const row = Math.floor(m / first.usedBlocksPerLine);
      const col = m % first.usedBlocksPerLine;
      decodeBlock(scan.components[0]!, 0, predictions, (row * first.blocksPerLine + col) * 64);
      continue;
    }
    const mcuRow = Math.floor(m / frame.mcusPerLine);
    const mcuCol = m % frame.mcusPerLine;
    for (let i = 0; i < scan.components.length; i++) {
      const sc = scan.components[i]!;
      const c = sc.component;
      for (let y = 0; y < c.v; y++)
        for (let x = 0; x < c.h; x++) {
          const at = ((mcuRow * c.v + y) * c.blocksPerLine + mcuCol * c.h + x) * 64;
          decodeBlock(sc, i, predictions, at);
        }
    }
  }
}

/** Number of coefficients `scan` visits, for the decoder's work budget. */
export function scanWork(frame: Frame, scan: Scan): number {
  const blocks =
    scan.components.length === 1
      ? scan.components[0]!.component.usedBlocksPerLine * scan.components[0]!.component.usedBlocksPerColumn
      : frame.mcusPerLine *
        frame.mcusPerColumn *
        scan.components.reduce((n, s) => n + s.component.h * s.component.v, 0);
  return blocks * (frame.progressive ? scan.se - scan.ss + 1 : 64);
}

export function markerName(code: number): string {
  return code < 0 ? 'the end of the file' : `marker 0xFF${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

interface BlockDecoder {
  (sc: ScanComponent, index: number, predictions: Int32Array, at: number): void;
  /** Forgets the end-of-band run (at a restart marker). */
  reset(): void;
}

/** The block procedure of the scan's kind; `at` is the block's first coefficient. */
function blockDecoder(
  reader: BitReader,
  progressive: boolean,
  scan: Scan,
  fail: (problem: string) => never,
): BlockDecoder {
  const { ss, se, ah, al } = scan;
  let eobRun = 0;
  const dcDifference = (table: HuffmanTable): number => {
    const size = reader.decode(table);
    if (size > 16) fail(`DC difference category ${size} is out of range`);
    return reader.signed(size);
  };
  let decode: (sc: ScanComponent, index: number, predictions: Int32Array, at: number) => void;

  if (!progressive) {
    // T.81 F.2.2.1-2: DC difference, then (run, size) pairs until EOB.
    decode = (sc, index, predictions, at) => {
      const coefficients = sc.component.coefficients;
      predictions[index] = predictions[index]! + dcDifference(sc.dc!);
      coefficients[at] = predictions[index]!;
      for (let k = 1; k < 64; ) {
        const rs = reader.decode(sc.ac!);
        const run = rs >> 4;
        const size = rs & 15;
        if (size === 0) {
          if (run !== 15) break; // EOB
          k += 16; // ZRL
          continue;
        }
        k += run;
        if (k > 63) fail('AC coefficient run goes past the end of the block');
        coefficients[at + ZIGZAG[k]!] = reader.signed(size);
        k++;
      }
    };
  } else if (ss === 0 && ah === 0) {
    // G.1.2.1: first DC scan, the difference scaled by 2^Al.
    decode = (sc, index, predictions, at) => {
      predictions[index] = predictions[index]! + dcDifference(sc.dc!);
      sc.component.coefficients[at] = predictions[index]! * (1 << al);
    };
  } else if (ss === 0) {
    // G.1.2.1: DC refinement, one raw bit per block.
    decode = (sc, _index, _predictions, at) => {
      if (reader.bit()) sc.component.coefficients[at]! |= 1 << al;
    };
  } else if (ah === 0) {
    // G.1.2.2: first AC scan of a band, with end-of-band runs across blocks.
    decode = (sc, _index, _predictions, at) => {
      if (eobRun > 0) {
        eobRun--;
        return;
      }
      const coefficients = sc.component.coefficients;
      for (let k = ss; k <= se; ) {
        const rs = reader.decode(sc.ac!);
        const run = rs >> 4;
        const size = rs & 15;
        if (size === 0) {
          if (run < 15) {
            eobRun = (1 << run) - 1 + (run > 0 ? reader.bits(run) : 0);
            break;
          }
          k += 16;
          continue;
        }
        k += run;
        if (k > se) fail(`AC coefficient run goes past the end of band ${ss}..${se}`);
        coefficients[at + ZIGZAG[k]!] = reader.signed(size) * (1 << al);
        k++;
      }
    };
  } else {
    // G.1.2.3: AC refinement: new coefficients of magnitude 2^Al, a correction bit for each
    // coefficient already non-zero that the run passes over.
    const plus = 1 << al;
    const minus = -1 << al;
    decode = (sc, _index, _predictions, at) => {
      const coefficients = sc.component.coefficients;
      const refine = (z: number) => {
        const c = coefficients[z]!;
        if (reader.bit() && (c & plus) === 0) coefficients[z] = c + (c >= 0 ? plus : minus);
      };
      let k = ss;
      if (eobRun === 0) {
        for (; k <= se; k++) {
          const rs = reader.decode(sc.ac!);
          let run = rs >> 4;
          const size = rs & 15;
          let value = 0;
          if (size !== 0) {
            if (size !== 1) fail(`AC refinement coefficient of size ${size} (must be 1)`);
            value = reader.bit() ? plus : minus;
          } else if (run !== 15) {
            eobRun = (1 << run) + (run > 0 ? reader.bits(run) : 0);
            break;
          }
          // Skip `run` zero coefficients (refining the non-zero ones met), stop on the next zero.
          for (; k <= se; k++) {
            const z = at + ZIGZAG[k]!;
            if (coefficients[z] !== 0) refine(z);
            else if (run-- === 0) break;
          }
          if (value !== 0) {
            if (k > se) fail(`AC refinement run goes past the end of band ${ss}..${se}`);
            coefficients[at + ZIGZAG[k]!] = value;
          }
        }
      }
      if (eobRun > 0) {
        for (; k <= se; k++) {
          const z = at + ZIGZAG[k]!;
          if (coefficients[z] !== 0) refine(z);
        }
        eobRun--;
      }
    };
  }
  return Object.assign(decode, {
    reset: () => {
      eobRun = 0;
    },
  });
}
