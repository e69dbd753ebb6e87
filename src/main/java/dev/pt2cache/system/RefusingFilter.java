package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A filter that answers each request it does not skip ({@code shouldNotFilter}) with one problem,
 * before anything after it reads the request.
 */
abstract class RefusingFilter extends OncePerRequestFilter {

  private final Answer answer;

  /** The problem each refused request is answered with. */
  private record Answer(int status, String type, String title, String detail) {}

  RefusingFilter(int status, String type, String title, String detail) {
    this.answer = new Answer(status, type, title, detail);
  }

  /**
   * Sets the headers that tell a client what the service would take instead, where HTTP names one
   * for the refusal; none by default.
   */
  protected void describeWhatIsTaken(HttpServletResponse response) {}

  @Override
  protected final void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException {
    describeWhatIsTaken(response);
    FilterProblems.write(response, answer.status(), answer.type(), answer.title(), answer.detail());
  }
}
