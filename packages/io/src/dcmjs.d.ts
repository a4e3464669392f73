// The part of dcmjs (which ships no types) that the DICOM reader and the SEG writer use.
declare module 'dcmjs' {
  /** A naturalized dataset: keywords as keys (`ImagePositionPatient`), values as JS values. */
  export type NaturalDataset = Record<string, unknown>;
  interface DicomDictInstance {
    meta: Record<string, { vr: string; Value?: unknown[] }>;
    dict: Record<string, { vr: string; Value?: unknown[] }>;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMessage: {
        readFile(
          buffer: ArrayBuffer,
          options?: { untilTag?: string; ignoreErrors?: boolean },
        ): DicomDictInstance;
      };
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, unknown>): NaturalDataset;
        denaturalizeDataset(dataset: NaturalDataset): Record<string, { vr: string; Value?: unknown[] }>;
      };
    };
    log: { setLevel(level: string): void; getLevel(): number };
  };
  export default dcmjs;
}
