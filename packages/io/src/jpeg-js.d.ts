// jpeg-js's decoder on its own (the package's index also loads its encoder); its index.d.ts types
// only the package root.
declare module 'jpeg-js/lib/decoder.js' {
  interface DecodeOptions {
    useTArray: true;
    colorTransform?: boolean;
    formatAsRGBA?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  export default function decode(
    jpegData: Uint8Array,
    opts: DecodeOptions,
  ): { width: number; height: number; data: Uint8Array };
}
