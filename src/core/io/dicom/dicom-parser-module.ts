import * as dicomParserModule from 'dicom-parser';

/** dicom-parser is a UMD bundle: Node's ESM loader puts its exports on `default`, bundlers on the namespace. */
export const dicomParser: typeof dicomParserModule =
  (dicomParserModule as unknown as { default?: typeof dicomParserModule }).default ?? dicomParserModule;

export type DataSet = dicomParserModule.DataSet;
export type Element = dicomParserModule.Element;
