package dev.pt2cache.bench;

/** One line of the report: a case, its concurrency, the service's figures and the floor's. */
record Row(
    String scenario, String label, int concurrency, String unit, Result service, Result floor) {

  double ratio() {
    return floor == null ? Double.NaN : service.throughput() / floor.throughput();
  }
}
