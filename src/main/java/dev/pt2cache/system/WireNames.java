package dev.pt2cache.system;

import dev.pt2cache.api.model.ArtifactState;
import dev.pt2cache.api.model.JobName;
import dev.pt2cache.api.model.Kind;
import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Kinds, states and jobs arrive in paths and queries by their wire names ({@code mega-cache}) and
 * by nothing else. A converter alone is not enough: where it refuses a value, Spring's binding
 * falls back to the enum constant of that name, so {@code FX_GRAPH} was read as {@code fx-graph}
 * and {@code state=READY} as {@code ready}, values the contract does not list and bodies refuse. An
 * editor is asked first and has no such fallback; a value it refuses is a {@code 400} that names
 * the values listed.
 */
@ControllerAdvice
class WireNames {

  /**
   * Only where a binder is made for a value of these names (the contract's {@code kind}, {@code
   * state} and {@code job}): not for every other path variable, a lookup's namespace among them.
   */
  @InitBinder({"kind", "state", "job"})
  void wireNamesOnly(WebDataBinder binder) {
    binder.registerCustomEditor(Kind.class, editor(Kind::fromValue));
    binder.registerCustomEditor(ArtifactState.class, editor(ArtifactState::fromValue));
    binder.registerCustomEditor(JobName.class, editor(JobName::fromValue));
  }

  private static PropertyEditorSupport editor(Function<String, ?> fromWireName) {
    return new PropertyEditorSupport() {
      @Override
      public void setAsText(String text) {
        setValue(fromWireName.apply(text));
      }
    };
  }
}
