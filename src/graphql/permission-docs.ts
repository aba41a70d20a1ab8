// The permission each field needs, written into the descriptions introspection serves (the
// explorer's docs pane, codegen, any client tooling). Generated from the @requires and @sensitive
// directives at schema build, so it cannot drift from what the directives enforce.
import type { GraphQLSchema } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';

/** The lines appended to a field's description; empty when the field carries no directive. */
export function permissionNotes(requires: string[], sensitive: { permission: string; mask: string } | undefined): string[] {
  const notes = requires.map((p) => `Requires \`${p}\`.`);
  if (sensitive) {
    const shown = sensitive.mask === 'NULL' ? 'null' : 'masked';
    notes.push(`Sensitive: ${shown} unless \`${sensitive.permission}\` (each reveal is audited).`);
  }
  return notes;
}

export function describePermissions(schema: GraphQLSchema): GraphQLSchema {
  const rootTypes = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const typeReq = rootTypes.has(typeName) ? undefined : getDirective(schema, schema.getType(typeName)!, 'requires')?.[0];
      const fieldReq = getDirective(schema, fieldConfig, 'requires')?.[0];
      const sens = getDirective(schema, fieldConfig, 'sensitive')?.[0];
      const requires = [typeReq, fieldReq].filter(Boolean).map((d) => String(d!.permission));
      const notes = permissionNotes(
        requires,
        sens ? { permission: String(sens.permission), mask: String(sens.mask ?? 'FULL') } : undefined,
      );
      if (!notes.length) return fieldConfig;
      const description = [fieldConfig.description?.trim(), notes.join('\n')].filter(Boolean).join('\n\n');
      return { ...fieldConfig, description };
    },
  });
}
