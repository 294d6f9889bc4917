package io.geodatastore.core.testkit;

/** Every data type's generator, for properties that range over all of them. */
public enum Types {
  G_COUNTER,
  PN_COUNTER,
  G_SET,
  TWO_PHASE_SET,
  OR_SET,
  LWW_REGISTER,
  MV_REGISTER;

  /** The generator, over the small alphabet. */
  public TypeGen<?> gen() {
    return switch (this) {
      case G_COUNTER -> CounterGens.gCounter();
      case PN_COUNTER -> CounterGens.pnCounter();
      case G_SET -> SetGens.gSet(Gen.ELEMENTS.size());
      case TWO_PHASE_SET -> SetGens.twoPhaseSet(Gen.ELEMENTS.size());
      case OR_SET -> new OrSetGen(Gen.ELEMENTS.size());
      case LWW_REGISTER -> RegisterGens.lww();
      case MV_REGISTER -> RegisterGens.mv();
    };
  }
}
