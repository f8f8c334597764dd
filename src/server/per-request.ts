/** Wraps a function of a request so that it runs once per request; later calls get the first result. */
export function perRequest<T>(compute: (request: Request) => T): (request: Request) => T {
  const results = new WeakMap<Request, T>();
  return (request) => {
    if (results.has(request)) return results.get(request) as T;
    const result = compute(request);
    results.set(request, result);
    return result;
  };
}
