import { publishableModel, type PublishableDoc } from './publishable.model';

/** A signup form of a workspace; collects contacts only once published. */
export type FormDoc = PublishableDoc;

export const Form = publishableModel('Form');
