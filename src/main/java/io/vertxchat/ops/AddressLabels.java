package io.vertxchat.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.vertxchat.contract.Addresses;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Keeps the {@code address} label of event-bus metrics bounded: every {@code chat.channel.<name>}
 * becomes {@code chat.channel.*}, the product's fixed addresses keep their names, and anything else
 * (reply addresses, addresses a browser made up) becomes {@code other}.
 */
public final class AddressLabels {
  public static final String CHANNELS = "chat.channel.*";
  public static final String OTHER = "other";
  private static final String TAG = "address";
  private static final String EVENT_BUS_PREFIX = "vertx.eventbus.";

  private static final Set<String> KNOWN = Set.of(
    Addresses.SEND, Addresses.EDIT, Addresses.DELETE, Addresses.HISTORY, Addresses.TYPING,
    Addresses.MONITOR_STATS,
    Addresses.STORE_MESSAGES, Addresses.STORE_EDIT, Addresses.STORE_DELETE, Addresses.STORE_HISTORY,
    Addresses.STORE_CHANNELS, Addresses.STORE_CHANNEL_GET, Addresses.STORE_CHANNEL_CREATE,
    Addresses.STORE_USER_UPSERT, Addresses.STORE_USER_GET, Addresses.STORE_USER_LAST_CHANNEL,
    Addresses.STORE_TRIM, Addresses.STORE_PING, Addresses.CHANNEL_CREATE, Addresses.CHAT_DRAIN,
    Addresses.PRESENCE_LOCAL, Addresses.PRESENCE_NODE, Addresses.SESSION_ENDED);

  private AddressLabels() {
  }

  /** The bounded label of an address. */
  public static String of(String address) {
    if (address == null) {
      return OTHER;
    }
    if (address.startsWith(Addresses.CHANNEL_PREFIX)) {
      return CHANNELS;
    }
    return KNOWN.contains(address) ? address : OTHER;
  }

  static MeterFilter filter() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (!id.getName().startsWith(EVENT_BUS_PREFIX)) {
          return id;
        }
        String address = id.getTag(TAG);
        if (address == null) {
          return id;
        }
        String label = of(address);
        if (label.equals(address)) {
          return id;
        }
        List<Tag> tags = new ArrayList<>();
        for (Tag tag : id.getTagsAsIterable()) {
          tags.add(TAG.equals(tag.getKey()) ? Tag.of(TAG, label) : tag);
        }
        return id.replaceTags(tags);
      }
    };
  }
}
