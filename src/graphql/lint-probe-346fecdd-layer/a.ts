import { newId } from '../../db';
export const id = newId;
