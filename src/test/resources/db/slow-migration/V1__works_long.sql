-- works longer than the test's answer wait, sending nothing meanwhile, as a CONCURRENTLY build does
select pg_sleep(3);
