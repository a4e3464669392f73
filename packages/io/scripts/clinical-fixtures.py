"""Writes the clinical-format test files with independent writers: DICOM series with pydicom
(Debian python3-pydicom), NRRD and MetaImage from their format specifications with numpy, zlib and
gzip (pynrrd and SimpleITK are not packaged for Debian). Run as `/usr/bin/python3 clinical-fixtures.py OUT`.

Every volume has the stored values (i * 7 + j * 13 + k * 31) % 1000 - 200 at column i, row j,
slice k (int16), and OUT/expected.json holds, per case, the RAS affine computed here from the
geometry that was written (DICOM and ITK are LPS: x and y negated), plus slope and intercept.
"""
import gzip
import json
import os
import sys
import zlib

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

OUT = sys.argv[1]
CT = "1.2.840.10008.5.1.4.1.1.2"
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def values(nx, ny, nz):
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    return ((i * 7 + j * 13 + k * 31) % 1000 - 200).astype(np.int16)  # [k, j, i]


def lps_affine(row, col, spacing, step, origin):
    """Voxel (i, j, k) -> LPS: i along the row direction (columns), j along the column direction."""
    a = np.eye(4)
    a[:3, 0] = np.array(row) * spacing[1]  # PixelSpacing[1]: between columns
    a[:3, 1] = np.array(col) * spacing[0]  # PixelSpacing[0]: between rows
    a[:3, 2] = step
    a[:3, 3] = origin
    return a


def slice_dataset(case, k, pos, vox, ts=ExplicitVRLittleEndian):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ts
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True  # pydicom 2.x encodes by these flags
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = CT
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = case["study"]
    ds.SeriesInstanceUID = case["series"]
    ds.FrameOfReferenceUID = case["frame"]
    ds.PatientName = "Synthetic^Phantom"
    ds.PatientID = "BEFUNET-1"
    ds.Modality = "CT"
    ds.SeriesNumber = 1
    ds.InstanceNumber = k + 1
    ds.ImagePositionPatient = [float(v) for v in pos]
    ds.ImageOrientationPatient = [float(v) for v in case["row"] + case["col"]]
    ds.PixelSpacing = [float(v) for v in case["spacing"]]
    ds.SliceThickness = float(case.get("thickness", 1.0))
    ds.Rows, ds.Columns = vox.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleSlope = case["slope"]
    ds.RescaleIntercept = case["intercept"]
    if "tilt" in case:
        ds.GantryDetectorTilt = case["tilt"]
    if ts == ExplicitVRLittleEndian or ts == ImplicitVRLittleEndian:
        ds.PixelData = vox.tobytes()
    else:
        ds.PixelData = encapsulate([vox.tobytes()])
        ds["PixelData"].VR = "OB"
    return ds


def write_series(name, case, positions=None, ts=ExplicitVRLittleEndian, prefix="IM"):
    nx, ny, nz = case["size"]
    vox = values(nx, ny, nz)
    normal = np.cross(case["row"], case["col"])
    step = np.array(case.get("step", normal * case["gap"]))
    origin = np.array(case["origin"], dtype=float)
    if positions is None:
        positions = [origin + k * step for k in range(nz)]
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    order = list(range(nz))
    np.random.default_rng(len(name)).shuffle(order)  # files not in slice order
    for n, k in enumerate(order):
        if positions[k] is None:
            continue
        ds = slice_dataset(case, k, positions[k], vox[k], ts)
        ds.save_as(os.path.join(folder, "%s%04d" % (prefix, n)), write_like_original=False)
    affine = LPS_TO_RAS @ lps_affine(case["row"], case["col"], case["spacing"], step, origin)
    return {"affine": affine.tolist(), "size": case["size"], "slope": case["slope"],
            "intercept": case["intercept"], "series": case["series"], "study": case["study"]}


def case(row, col, **kw):
    c = {"row": row, "col": col, "spacing": [0.8, 0.7], "gap": 2.5, "size": [6, 5, 4],
         "origin": [-100.0, -120.5, 50.0], "slope": 2.0, "intercept": -1024.0,
         "study": generate_uid(), "series": generate_uid(), "frame": generate_uid()}
    c.update(kw)
    return c


c30, s30 = np.cos(np.pi / 6), np.sin(np.pi / 6)
expected = {}
expected["axial"] = write_series("axial", case([1, 0, 0], [0, 1, 0]))
expected["sagittal"] = write_series("sagittal", case([0, 1, 0], [0, 0, -1], gap=1.25))
expected["oblique"] = write_series(
    "oblique", case([c30, s30, 0], [-s30 * 0.6, c30 * 0.6, -0.8], size=[5, 6, 3]))
expected["implicit"] = write_series(
    "implicit", case([1, 0, 0], [0, 1, 0], slope=1.0, intercept=0.0), ts=ImplicitVRLittleEndian)

# Error cases.
mixed_a = case([1, 0, 0], [0, 1, 0], size=[4, 4, 3])
write_series("mixed", mixed_a)
write_series("mixed", dict(mixed_a, series=generate_uid(), origin=[0, 0, 300.0]), prefix="B")
gap = case([1, 0, 0], [0, 1, 0], size=[4, 4, 5])
write_series("missing", gap, positions=[np.array(gap["origin"]) + [0, 0, 2.5 * k] if k != 2 else None
                                        for k in range(5)])
write_series("uneven", gap, positions=[np.array(gap["origin"]) + [0, 0, z] for z in [0, 2.5, 5, 8, 10.5]])
write_series("tilt", dict(gap, tilt=10.0), positions=[np.array(gap["origin"]) + [0, 0.44 * k, 2.5 * k]
                                                      for k in range(5)])
write_series("jpeg", case([1, 0, 0], [0, 1, 0], size=[4, 4, 2]), ts="1.2.840.10008.1.2.4.50")

# NRRD (teem's format spec, NRRD0004) and MetaImage (ITK MetaIO) written from their specs.
vol = values(6, 5, 4)  # [k, j, i]: i fastest on disk, as both formats store it
dirs = np.array([[0.0, 0.8, 0.0], [0.0, 0.0, -0.7], [-2.5, 0.0, 0.0]])  # one row per axis
origin = [10.0, -20.0, 30.5]


def affine_of(dirs, origin, space_to_ras):
    a = np.eye(4)
    a[:3, :3] = dirs.T
    a[:3, 3] = origin
    return (space_to_ras @ a).tolist()


def nrrd_header(space, encoding, extra=""):
    d = " ".join("(%r,%r,%r)" % tuple(r) for r in dirs)
    return ("NRRD0004\n# written by clinical-fixtures.py\ntype: short\ndimension: 3\nspace: %s\n"
            "sizes: 6 5 4\nspace directions: %s\nkinds: domain domain domain\nendian: little\n"
            "encoding: %s\nspace origin: (%r,%r,%r)\n%s" % (space, d, encoding, *origin, extra))


raw = vol.astype("<i2").tobytes()
with open(os.path.join(OUT, "raw.nrrd"), "wb") as f:
    f.write((nrrd_header("left-posterior-superior", "raw") + "\n").encode() + raw)
with open(os.path.join(OUT, "gzip.nrrd"), "wb") as f:
    f.write((nrrd_header("right-anterior-superior", "gzip") + "\n").encode() + gzip.compress(raw))
with open(os.path.join(OUT, "detached.nhdr"), "w") as f:
    f.write(nrrd_header("RAS", "gz", "data file: detached.raw.gz\n"))
with open(os.path.join(OUT, "detached.raw.gz"), "wb") as f:
    f.write(gzip.compress(raw))
big = vol.astype(">f4")
with open(os.path.join(OUT, "float-big.nrrd"), "wb") as f:
    h = nrrd_header("LPS", "raw").replace("type: short", "type: float").replace("endian: little", "endian: big")
    f.write((h + "\n").encode() + big.tobytes())
for space, flip in [("lps", LPS_TO_RAS), ("ras", np.eye(4))]:
    expected["nrrd-" + space] = {"affine": affine_of(dirs, origin, flip), "size": [6, 5, 4]}


def mhd_header(compressed, data_file, size=None):
    unit = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    h = ["ObjectType = Image", "NDims = 3", "BinaryData = True", "BinaryDataByteOrderMSB = False",
         "CompressedData = %s" % ("True" if compressed else "False")]
    if compressed:
        h.append("CompressedDataSize = %d" % size)
    h += ["TransformMatrix = " + " ".join(repr(v) for v in unit.flatten()),  # axis by axis
          "Offset = %r %r %r" % tuple(origin), "CenterOfRotation = 0 0 0",
          "ElementSpacing = " + " ".join(repr(v) for v in np.linalg.norm(dirs, axis=1)),
          "DimSize = 6 5 4", "ElementType = MET_SHORT", "ElementDataFile = " + data_file]
    return ("\n".join(h) + "\n").encode()


packed = zlib.compress(raw)
with open(os.path.join(OUT, "compressed.mha"), "wb") as f:
    f.write(mhd_header(True, "LOCAL", len(packed)) + packed)
with open(os.path.join(OUT, "plain.mhd"), "wb") as f:
    f.write(mhd_header(False, "plain.raw"))
with open(os.path.join(OUT, "plain.raw"), "wb") as f:
    f.write(raw)
expected["metaimage"] = {"affine": affine_of(dirs, origin, LPS_TO_RAS), "size": [6, 5, 4]}

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
