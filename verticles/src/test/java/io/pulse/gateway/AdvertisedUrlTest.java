package io.pulse.gateway;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdvertisedUrlTest {

  @Test
  @DisplayName("a gateway advertises gateway.advertised-url when set (without a trailing slash), else its cluster "
    + "host and actual HTTP port")
  void advertisedUrl() {
    assertThat(GatewayVerticle.advertisedUrl(new JsonObject(), 8080)).isEqualTo("http://127.0.0.1:8080");
    assertThat(GatewayVerticle.advertisedUrl(new JsonObject().put("cluster.host", "10.1.2.3"), 41000))
      .isEqualTo("http://10.1.2.3:41000");
    assertThat(GatewayVerticle.advertisedUrl(new JsonObject().put("cluster.host", "10.1.2.3")
      .put("gateway.advertised-url", "https://pulse-gateway-0.example.test/"), 8080))
      .isEqualTo("https://pulse-gateway-0.example.test");
  }
}
