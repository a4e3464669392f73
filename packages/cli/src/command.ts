/** What a `befunet` command is: it lives in @befunet/common/node, shared with core's scripts. */
export { backendOption, type Command, type OptionValues } from '@befunet/common/node';
