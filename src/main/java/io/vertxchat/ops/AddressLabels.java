package io.vertxchat.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.vertxchat.contract.Addresses;

import java.util.ArrayList;
import java.util.List;

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
    return Addresses.FIXED.contains(address) ? address : OTHER;
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
