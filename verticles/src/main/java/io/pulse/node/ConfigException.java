package io.pulse.node;

/** A configuration that cannot run; the message is one line naming the key, what is expected and where it came from. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
