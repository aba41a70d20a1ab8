import type { Context } from '../../graphql/context';
export type C = Context;
