export { type LayerArgs, withDefaultName } from '@befunet/common';

/** Returns the single tensor of a layer's input. */
export function single<T>(inputs: T | T[]): T {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** The checks of @befunet/common under their former names here (ConfigErrors naming `what`). */
export {
  assertNonNegativeInteger as nonNegativeInt,
  assertPositiveInteger as positiveInt,
} from '@befunet/common';
