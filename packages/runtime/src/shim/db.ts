/** PLACEHOLDER */
export class D1Database { constructor(readonly stub: any) {} async q(sql: string, ...p: unknown[]) { return this.stub.query(sql, p); } }
