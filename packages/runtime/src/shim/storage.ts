/** PLACEHOLDER */
export class ObjectStorage { constructor(readonly stub: any) {} }
