/** PLACEHOLDER */
export class JobQueue { constructor(readonly stub: any) {} }
