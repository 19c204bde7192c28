import { describe, expect, it } from 'vitest';
import { assignChannels } from '../../src/app/models/channel-assignment';

const scans = [
  { id: 'a', name: 'prostate_16_adc.nii.gz' },
  { id: 'b', name: 'prostate_16_T2.nii.gz' },
  { id: 'c', name: 'other.nii.gz' },
];

describe('channels of a multi-channel case', () => {
  it('matches scans to channels by nnU-Net suffix, then by channel name, then in load order', () => {
    expect(assignChannels(['T2', 'ADC'], scans)).toEqual(['b', 'a']);
    expect(
      assignChannels(
        ['T1', 'FLAIR'],
        [
          { id: 'x', name: 'case_0001.nii.gz' },
          { id: 'y', name: 'case_0000.nii.gz' },
        ],
      ),
    ).toEqual(['y', 'x']);
    expect(assignChannels(['T1', 'T2', 'FLAIR'], [{ id: 'c', name: 'other.nii.gz' }])).toEqual([
      'c',
      null,
      null,
    ]);
  });

  it("keeps the user's choices and fills only the rest", () => {
    expect(assignChannels(['T2', 'ADC'], scans, ['c', null])).toEqual(['c', 'a']);
    // a choice whose scan was closed is dropped
    expect(assignChannels(['T2', 'ADC'], scans, ['gone', 'a'])).toEqual(['b', 'a']);
  });
});
