// Parent shapes of GraphQL types that are not stored documents (codegen mappers).

export interface ViewerParent {
  userId: string;
}
