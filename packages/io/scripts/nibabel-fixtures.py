"""Writes test-fixtures/nibabel/: copies of some of nibabel's own test files, two .hdr/.img pairs
that nibabel writes from them, and expected.json, what nibabel reads in each file.

Run with a Python that has nibabel and numpy (e.g. Debian's python3-nibabel):
    /usr/bin/python3 packages/io/scripts/nibabel-fixtures.py
The vitest test (src/nifti/nibabel.test.ts) only reads the committed output; it never runs Python.
"""
import hashlib
import json
import os
import shutil

import nibabel as nib
import numpy as np
import nibabel.tests

DATA = os.path.join(os.path.dirname(nibabel.tests.__file__), 'data')
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test-fixtures', 'nibabel')

# nibabel test files copied as they are.
COPIED = [
    'anatomical.nii',  # NIfTI-1, big-endian int16, qform and sform
    'functional.nii',  # NIfTI-1, 4-D int16
    'example4d.nii.gz',  # NIfTI-1, gzipped, 4-D int16
    'example_nifti2.nii.gz',  # NIfTI-2, gzipped
    'standard.nii.gz',  # NIfTI-1, uint8, sform only
    'reoriented_anat_moved.nii',  # big-endian float32
    'nifti1.hdr',  # header of a NIfTI-1 pair (no .img in nibabel's data)
    'nifti2.hdr',  # header of a NIfTI-2 pair (no .img in nibabel's data)
    'analyze.hdr',  # plain Analyze 7.5: must be refused
]
# (source, pair class, name): .hdr/.img pairs that nibabel writes from a copied file.
PAIRS = [
    ('anatomical.nii', nib.Nifti1Pair, 'anatomical_pair'),
    ('example_nifti2.nii.gz', nib.Nifti2Pair, 'nifti2_pair'),
]
# (source, image class, name): big-endian files that nibabel writes from a copied file.
BIG_ENDIAN = [('example_nifti2.nii.gz', nib.Nifti2Image, 'nifti2_big_endian.nii')]
# Files of at most this many voxels get every voxel in expected.json (the others a SHA-256 of
# every voxel as little-endian float32, a sum and some samples), to keep the fixture small.
FULL_VOXELS = 16000


def matrix(m):
    return [[float(x) for x in row] for row in np.asarray(m)]


def header_facts(header):
    """The header as stored (nibabel's own field values, not ours)."""
    slope, inter = header.get_slope_inter()
    return {
        'class': type(header).__name__,
        'dim': [int(x) for x in header['dim']],
        'pixdim': [float(x) for x in header['pixdim']],
        'datatype': int(header['datatype']),
        'bitpix': int(header['bitpix']),
        'dtype': np.dtype(header.get_data_dtype()).name,
        'little_endian': header.endianness == '<',
        'vox_offset': float(header['vox_offset']),
        'scl_slope': None if slope is None else float(slope),
        'scl_inter': None if inter is None else float(inter),
        'xyzt_units': int(header['xyzt_units']),
        'qform_code': int(header['qform_code']),
        'sform_code': int(header['sform_code']),
        'quatern': [float(header[k]) for k in ('quatern_b', 'quatern_c', 'quatern_d')],
        'qoffset': [float(header[k]) for k in ('qoffset_x', 'qoffset_y', 'qoffset_z')],
        'qform': matrix(header.get_qform()),
        'sform': matrix(header.get_sform()),
        'descrip': header['descrip'].item().decode('latin-1'),
    }


def raw_header(path):
    """The header exactly as in the file (nib.load resets the scaling fields of the image header)."""
    with nib.openers.ImageOpener(path) as f:
        first = f.read(4)
    nifti2 = 540 in (int.from_bytes(first, 'little'), int.from_bytes(first, 'big'))
    if path.endswith('.hdr'):
        klass = nib.nifti2.Nifti2PairHeader if nifti2 else nib.nifti1.Nifti1PairHeader
    else:
        klass = nib.Nifti2Header if nifti2 else nib.Nifti1Header
    with nib.openers.ImageOpener(path) as f:
        return klass.from_fileobj(f)


def voxel_facts(image):
    data = np.asarray(image.get_fdata(dtype=np.float64))
    flat = data.reshape(-1, order='F')  # x fastest, as NIfTI stores voxels
    facts = {
        'shape': [int(x) for x in data.shape],
        'sum': float(flat.sum()),
        'min': float(flat.min()),
        'max': float(flat.max()),
        'sha256_float32_le': hashlib.sha256(flat.astype('<f4').tobytes()).hexdigest(),
    }
    picks = sorted({0, flat.size - 1, flat.size // 2, flat.size // 3, (7 * flat.size) // 11})
    facts['samples'] = [[int(i), float(flat[i])] for i in picks]
    if flat.size <= FULL_VOXELS:
        facts['voxels'] = [float(x) for x in flat.astype(np.float32)]
    return facts


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {'nibabel': nib.__version__, 'files': {}}
    for name in COPIED:
        shutil.copyfile(os.path.join(DATA, name), os.path.join(OUT, name))
        if name == 'analyze.hdr':
            expected['files'][name] = {'class': type(nib.load(os.path.join(OUT, name)).header).__name__}
            continue
        entry = {'header': header_facts(raw_header(os.path.join(OUT, name)))}
        if not name.endswith('.hdr'):
            entry['voxels'] = voxel_facts(nib.load(os.path.join(OUT, name)))
        expected['files'][name] = entry
    for source, klass, stem in PAIRS:
        image = nib.load(os.path.join(OUT, source))
        pair = klass(np.asanyarray(image.dataobj), image.affine, image.header)
        nib.save(pair, os.path.join(OUT, stem + '.img'))
        hdr = stem + '.hdr'
        expected['files'][hdr] = {
            'image': stem + '.img',
            'header': header_facts(raw_header(os.path.join(OUT, hdr))),
            'voxels': voxel_facts(nib.load(os.path.join(OUT, hdr))),
        }
    for source, klass, name in BIG_ENDIAN:
        image = nib.load(os.path.join(OUT, source))
        header = image.header.as_byteswapped('>')
        nib.save(klass(np.asanyarray(image.dataobj), image.affine, header), os.path.join(OUT, name))
        expected['files'][name] = {
            'header': header_facts(raw_header(os.path.join(OUT, name))),
            'voxels': voxel_facts(nib.load(os.path.join(OUT, name))),
        }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
