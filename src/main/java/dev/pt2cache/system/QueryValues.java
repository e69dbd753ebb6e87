package dev.pt2cache.system;

import java.beans.PropertyEditorSupport;
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
 */
@ControllerAdvice
class QueryValues {

  private static final Pattern WHOLE_NUMBER = Pattern.compile("-?[0-9]+");

  /** The contract's integer and boolean query parameters: {@code limit} and {@code reported}. */
  @InitBinder({"limit", "reported"})
  void strictly(WebDataBinder binder) {
    binder.registerCustomEditor(
        Integer.class,
        new PropertyEditorSupport() {
          @Override
          public void setAsText(String text) {
            if (!WHOLE_NUMBER.matcher(text).matches()) {
              throw new IllegalArgumentException("not a whole number in decimal digits");
            }
            setValue(Integer.valueOf(text));
          }
        });
    binder.registerCustomEditor(
        Boolean.class,
        new PropertyEditorSupport() {
          @Override
          public void setAsText(String text) {
            Boolean word = StrictBooleans.word(text);
            if (word == null) {
              throw new IllegalArgumentException("neither true nor false");
            }
            setValue(word);
          }
        });
  }
}
