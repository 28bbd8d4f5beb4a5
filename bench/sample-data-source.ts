/** The MySQL connection every benchmark's data sources use (no secret in it is real). */
export function sampleConnection(envType: 'Dev' | 'Prod' = 'Prod', database = 'orders'): string {
  return JSON.stringify({
    envType,
    address: [{ host: '127.0.0.1', port: 3306 }],
    database,
    username: 'app',
    password: 'not-a-real-password',
    properties: { useSSL: 'false', connectTimeout: '3000' },
  });
}
