package dev.pt2cache.auth;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.TokensApi;
import dev.pt2cache.api.model.Token;
import dev.pt2cache.api.model.TokenList;
import dev.pt2cache.api.model.TokenRequest;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.Times;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class TokenController implements TokensApi {

  private final Tokens tokens;

  TokenController(Tokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public ResponseEntity<Token> createToken(TokenRequest request) {
    NewToken made =
        tokens.create(
            request.getName(),
            request.getNamespace(),
            Role.of(request.getRole().getValue()),
            Times.kept(request.getExpiresAt()));
    // the one answer that carries the secret: shown without it where Spring MVC logs the answer
    Token issued = toApi(made.token(), new IssuedToken()).token(made.secret());
    return ResponseEntity.status(HttpStatus.CREATED).body(issued);
  }

  @Override
  public ResponseEntity<TokenList> listTokens(Integer limit, String cursor) {
    Tokens.TokenPage page = tokens.list(limit, cursor);
    return ResponseEntity.ok(
        new TokenList()
            .items(page.items().stream().map(TokenController::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  @Override
  public ResponseEntity<Token> revokeToken(UUID tokenId) {
    return ResponseEntity.ok(toApi(tokens.revoke(tokenId, Caller.token())));
  }

  private static Token toApi(ApiToken token) {
    return toApi(token, new Token());
  }

  /** {@code token} written into {@code answer}, a new {@link Token} or a subclass of one. */
  private static Token toApi(ApiToken token, Token answer) {
    return answer
        .id(token.id())
        .name(token.name())
        .namespace(token.namespace())
        .role(dev.pt2cache.api.model.Role.fromValue(token.role().wireName()))
        .createdAt(utc(token.createdAt()))
        .expiresAt(token.expiresAt() == null ? null : utc(token.expiresAt()))
        .revokedAt(token.revokedAt() == null ? null : utc(token.revokedAt()))
        .madeBy(token.madeBy())
        .madeById(token.madeById())
        .revokedBy(token.revokedBy())
        .revokedById(token.revokedById());
  }
}
