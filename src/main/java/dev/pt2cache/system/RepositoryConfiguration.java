package dev.pt2cache.system;

import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;

/**
 * Repositories without transactions of their own: a repository read outside a service's transaction
 * is one statement in autocommit, not {@code BEGIN}, the statement and {@code COMMIT} (three round
 * trips). Every write happens inside a {@code @Transactional} service method, which still gives it
 * its transaction (docs/adr/0009).
 */
@Configuration(proxyBeanMethods = false)
@EnableJpaRepositories(basePackages = "dev.pt2cache", enableDefaultTransactions = false)
class RepositoryConfiguration {}
