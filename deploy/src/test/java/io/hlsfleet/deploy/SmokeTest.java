package io.hlsfleet.deploy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
class SmokeTest {
  @Test void parse() {
    var s = new KubernetesSerialization();
    Object o = s.unmarshal("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: b}\nspec: {x: 1}\n");
    System.out.println(o.getClass() + " " + o);
  }
}
