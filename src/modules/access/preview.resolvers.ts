// previewAccessChange: thin, over src/modules/access/preview.service.ts.
import type { Resolvers } from '../../generated';
import { previewAccessChange } from './preview.service';

export const previewResolvers: Resolvers = {
  Query: {
    previewAccessChange: (_, { change }, ctx, info) => previewAccessChange(ctx, info.schema, change),
  },
};
