/** Command-line parsing for the `befunet` CLI: it lives in @befunet/common/node, shared with core's scripts. */
export {
  intOption,
  numberOption,
  type OptionSpec,
  type OptionSpecs,
  parseOptions,
  usage,
} from '@befunet/common/node';
