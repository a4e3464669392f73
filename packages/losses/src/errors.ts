/**
 * The one error this package adds to those of `@befunet/common`.
 */
import { BefunetError } from '@befunet/common';

/**
 * A label map or mask holds values the function does not accept: a class index outside
 * `[0, numClasses)`, a non-integer label, or a value other than 0/1 where a binary mask is required.
 * Shape and dtype problems are `ShapeError` / `DTypeError` from `@befunet/common`.
 */
export class LabelValueError extends BefunetError {}
