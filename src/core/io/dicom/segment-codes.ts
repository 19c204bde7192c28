/**
 * SNOMED CT codes for a segment, looked up from its label name (as dataset.json names it). Built from
 * public code lists: DICOM PS3.16 CID 7150 "Segmentation Property Categories", CID 7151/7166 anatomic
 * structures and CID 244 laterality; the concept IDs are SNOMED CT's. A name that matches nothing gets the
 * generic "Tissue" code, which every SEG reader accepts.
 */
export interface CodedConcept {
  value: string;
  scheme: string;
  meaning: string;
}

export interface SegmentCodes {
  category: CodedConcept;
  type: CodedConcept;
  /** Laterality (Right/Left) when the name says so and the type has no sided code of its own. */
  modifier?: CodedConcept;
  /** False when the name matched nothing and the generic code stands in. */
  matched: boolean;
}

const sct = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'SCT', meaning });

const ANATOMICAL = sct('91723000', 'Anatomical Structure');
const TISSUE = sct('85756007', 'Tissue');
const ALTERED = sct('49755003', 'Morphologically Altered Structure');

/** name words → [category, type]; keys are label names normalised to lower-case words. */
const TABLE: [string[], CodedConcept, CodedConcept][] = [
  [['liver'], ANATOMICAL, sct('10200004', 'Liver')],
  [['spleen'], ANATOMICAL, sct('78961009', 'Spleen')],
  [['kidney right', 'right kidney'], ANATOMICAL, sct('9846003', 'Right kidney')],
  [['kidney left', 'left kidney'], ANATOMICAL, sct('18639004', 'Left kidney')],
  [['kidney', 'kidneys'], ANATOMICAL, sct('64033007', 'Kidney')],
  [['pancreas'], ANATOMICAL, sct('15776009', 'Pancreas')],
  [['gallbladder', 'gall bladder'], ANATOMICAL, sct('28231008', 'Gallbladder')],
  [['stomach'], ANATOMICAL, sct('69695003', 'Stomach')],
  [['aorta'], ANATOMICAL, sct('15825003', 'Aorta')],
  [['inferior vena cava', 'ivc'], ANATOMICAL, sct('64131007', 'Inferior vena cava')],
  [['portal vein and splenic vein', 'portal vein'], ANATOMICAL, sct('32764006', 'Portal vein')],
  [['pulmonary artery'], ANATOMICAL, sct('81040000', 'Pulmonary artery')],
  [['heart'], ANATOMICAL, sct('80891009', 'Heart')],
  [['lung', 'lungs'], ANATOMICAL, sct('39607008', 'Lung')],
  [['trachea'], ANATOMICAL, sct('44567001', 'Trachea')],
  [['esophagus', 'oesophagus'], ANATOMICAL, sct('32849002', 'Esophagus')],
  [['duodenum'], ANATOMICAL, sct('38848004', 'Duodenum')],
  [['small bowel', 'small intestine'], ANATOMICAL, sct('30315005', 'Small intestine')],
  [['colon'], ANATOMICAL, sct('71854001', 'Colon')],
  [['rectum'], ANATOMICAL, sct('34402009', 'Rectum')],
  [['urinary bladder', 'bladder'], ANATOMICAL, sct('89837001', 'Urinary bladder')],
  [['prostate'], ANATOMICAL, sct('41216001', 'Prostate')],
  [['adrenal gland', 'adrenal'], ANATOMICAL, sct('23451007', 'Adrenal gland')],
  [['thyroid gland', 'thyroid'], ANATOMICAL, sct('69748006', 'Thyroid gland')],
  [['brain'], ANATOMICAL, sct('12738006', 'Brain')],
  [['spinal cord'], ANATOMICAL, sct('2748008', 'Spinal cord')],
  [['sacrum'], ANATOMICAL, sct('54735007', 'Sacrum')],
  [['femur'], ANATOMICAL, sct('71341001', 'Femur')],
  [['humerus'], ANATOMICAL, sct('85050009', 'Humerus')],
  [['skull'], ANATOMICAL, sct('89546000', 'Skull')],
  [['sternum'], ANATOMICAL, sct('56873002', 'Sternum')],
  [['scapula'], ANATOMICAL, sct('79601000', 'Scapula')],
  [['clavicula', 'clavicle'], ANATOMICAL, sct('51299004', 'Clavicle')],
  [['rib', 'ribs'], ANATOMICAL, sct('113197003', 'Rib')],
  [['bone', 'bones'], TISSUE, sct('272673000', 'Bone')],
  [['fat', 'adipose tissue'], TISSUE, sct('55603005', 'Adipose tissue')],
  [['tumor', 'tumour', 'neoplasm', 'cancer'], ALTERED, sct('108369006', 'Neoplasm')],
  [['lesion', 'lesions'], ALTERED, sct('52988006', 'Lesion')],
];

const RIGHT = sct('24028007', 'Right');
const LEFT = sct('7771000', 'Left');

const words = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Codes for a label name: exact names first, then the name without its side (with a laterality modifier). */
export function segmentCodes(name: string): SegmentCodes {
  const n = words(name);
  const exact = TABLE.find(([keys]) => keys.includes(n));
  if (exact) return { category: exact[1], type: exact[2], matched: true };
  const side = /(^| )(right|r)( |$)/.test(n) ? RIGHT : /(^| )(left|l)( |$)/.test(n) ? LEFT : undefined;
  const base = n
    .replace(/(^| )(right|left|r|l)( |$)/g, ' ')
    .replace(/ +/g, ' ')
    .trim();
  const sided = TABLE.find(([keys]) => keys.includes(base));
  if (sided) return { category: sided[1], type: sided[2], modifier: side, matched: true };
  return { category: TISSUE, type: TISSUE, matched: false };
}
