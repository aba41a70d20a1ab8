import { ErrorCode } from '../errors';
export const c = ErrorCode.NOT_FOUND;
