package dev.pt2cache.system;

import dev.pt2cache.api.model.ArtifactState;
import dev.pt2cache.api.model.JobName;
import dev.pt2cache.api.model.Kind;
import java.beans.PropertyEditorSupport;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * A query's whole number is decimal digits, and its boolean {@code true} or {@code false} (or one
 * of the words for them that bodies take, {@link StrictBooleans}). Spring's conversion reads far
 * more: {@code 0x10}, {@code #10} and {@code +10} as numbers, with all whitespace removed first, so
 * {@code limit=1 0} was 10; and {@code yes}, {@code on} and {@code 1} as true. An editor is asked
 * before that conversion; a value it refuses is a {@code 400 invalid-request} that names the
 * parameter.
 *
 * <p>Kinds, states and jobs arrive by their wire names ({@code mega-cache}) and by nothing else. A
 * converter alone is not enough: where it refuses a value, Spring's binding falls back to the enum
 * constant of that name, so {@code FX_GRAPH} was read as {@code fx-graph} and {@code state=READY}
 * as {@code ready}, values the contract does not list and bodies refuse; an editor has no such
 * fallback. Each editor is registered only for the names it serves, not for every binder a request
 * makes (a lookup's namespace among them).
 */
@ControllerAdvice
class QueryValues {

  private static final Pattern WHOLE_NUMBER = Pattern.compile("-?[0-9]+");

  /** The contract's kinds, states and jobs, by their wire names only. */
  @InitBinder({"kind", "state", "job"})
  void wireNamesOnly(WebDataBinder binder) {
    binder.registerCustomEditor(Kind.class, editor(Kind::fromValue));
    binder.registerCustomEditor(ArtifactState.class, editor(ArtifactState::fromValue));
    binder.registerCustomEditor(JobName.class, editor(JobName::fromValue));
  }

  /** The contract's ids in paths, in their 36-character form only ({@link StrictUuids}). */
  @InitBinder({"artifactId", "invalidationId", "tokenId"})
  void canonicalIds(WebDataBinder binder) {
    binder.registerCustomEditor(UUID.class, editor(StrictUuids::canonical));
  }

  /** The contract's integer and boolean query parameters: {@code limit} and {@code reported}. */
  @InitBinder({"limit", "reported"})
  void strictly(WebDataBinder binder) {
    binder.registerCustomEditor(
        Integer.class,
        editor(text -> WHOLE_NUMBER.matcher(text).matches() ? Integer.valueOf(text) : null));
    binder.registerCustomEditor(Boolean.class, editor(StrictBooleans::word));
  }

  /** An editor that takes what {@code read} reads, and refuses text it reads as null. */
  private static PropertyEditorSupport editor(Function<String, ?> read) {
    return new PropertyEditorSupport() {
      @Override
      public void setAsText(String text) {
        Object value = read.apply(text);
        if (value == null) {
          throw new IllegalArgumentException("not a value of the contract's type");
        }
        setValue(value);
      }
    };
  }
}
