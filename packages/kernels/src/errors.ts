/**
 * The errors that kernels, ops and the WebGPU bootstrap throw, on @befunet/io's `BefunetError` (so that
 * `instanceof BefunetError` catches every error of every BEFUnet package). @befunet/common re-exports them.
 */
import { BefunetError } from '@befunet/io';

/** A tensor has the wrong rank, size, or a dimension that does not fit the configuration. */
export class ShapeError extends BefunetError {}

/** A tensor has a dtype the operation does not accept. */
export class DTypeError extends BefunetError {}

/** No WebGPU adapter could be obtained (neither a GPU nor the software fallback). */
export class WebGpuUnavailableError extends BefunetError {}

/** The WebGPU device was lost (destroyed, driver reset, out of memory) while the library was using it. */
export class WebGpuDeviceLostError extends BefunetError {}
