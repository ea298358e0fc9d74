/** PLACEHOLDER */
export class CacheNamespace { constructor(readonly stub: any) {} }
