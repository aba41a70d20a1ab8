import { publishableModel, type PublishableDoc } from './publishable.model';

/** A marketing automation of a workspace; runs only once published. */
export type AutomationDoc = PublishableDoc;

export const Automation = publishableModel('Automation');
